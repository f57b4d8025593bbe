<?cs # The folder pane and the message list of one folder: single
     messages, conversations (List.Threads: a thread's replies indented
     under its first message), or the results of a search in every folder
     (List.All: a folder column, nothing to select). ?>
<?cs set:Page.Title = List.FolderName ?>
<?cs set:Page.Script = "webmail.js" ?>
<?cs set:Page.Nav = "mail" ?>
<?cs include:"header.cs" ?>
<div class="mail">
<?cs include:"folders.cs" ?>
<section class="list" aria-label="<?cs var:Lang.mail.messages ?>">
<?cs if:List.Done ?>  <p class="notice" id="done" role="status"><?cs var:Lang.compose.listdone[List.Done] ?></p>
<?cs /if ?>  <form class="search" method="get" action="<?cs var:Page.Base ?>/mail" role="search">
    <input type="hidden" name="f" value="<?cs var:List.Folder ?>">
    <input type="search" name="q" id="q" value="<?cs var:List.Q ?>" maxlength="200" placeholder="<?cs var:Lang.mail.search ?>" accesskey="s">
    <select name="in" aria-label="<?cs var:Lang.mail.search_in ?>">
      <option value="all"<?cs if:List.In == "all" ?> selected<?cs /if ?>><?cs var:Lang.mail.in_all ?></option>
      <option value="from"<?cs if:List.In == "from" ?> selected<?cs /if ?>><?cs var:Lang.mail.from ?></option>
      <option value="subject"<?cs if:List.In == "subject" ?> selected<?cs /if ?>><?cs var:Lang.mail.subject ?></option>
      <option value="body"<?cs if:List.In == "body" ?> selected<?cs /if ?>><?cs var:Lang.mail.in_body ?></option>
    </select>
    <label class="all"><input type="checkbox" name="all" value="1"<?cs if:List.All ?> checked<?cs /if ?>> <?cs var:Lang.mail.all_folders ?></label>
    <button type="submit"><?cs var:Lang.mail.search ?></button>
  </form>
  <details class="advanced"<?cs if:subcount(Adv) > 0 || Page.FormError ?> open<?cs /if ?>>
    <summary><?cs var:Lang.mail.advanced ?></summary>
    <form method="get" action="<?cs var:Page.Base ?>/mail" id="advanced">
      <input type="hidden" name="f" value="<?cs var:List.Folder ?>">
      <label><?cs var:Lang.mail.from ?> <input name="a_from" maxlength="200" value="<?cs var:Adv.a_from ?>"></label>
      <label><?cs var:Lang.mail.to ?> <input name="a_to" maxlength="200" value="<?cs var:Adv.a_to ?>"></label>
      <label><?cs var:Lang.mail.subject ?> <input name="a_subject" maxlength="200" value="<?cs var:Adv.a_subject ?>"></label>
      <label><?cs var:Lang.mail.in_body ?> <input name="a_body" maxlength="200" value="<?cs var:Adv.a_body ?>"></label>
      <label><?cs var:Lang.mail.since ?> <input type="date" name="since" value="<?cs var:Adv.since ?>"></label>
      <label><?cs var:Lang.mail.before ?> <input type="date" name="before" value="<?cs var:Adv.before ?>"></label>
      <label><?cs var:Lang.mail.min_kb ?> <input type="number" min="0" name="min_kb" value="<?cs var:Adv.min_kb ?>"></label>
      <label><?cs var:Lang.mail.max_kb ?> <input type="number" min="0" name="max_kb" value="<?cs var:Adv.max_kb ?>"></label>
      <label><input type="checkbox" name="unread" value="1"<?cs if:Adv.unread ?> checked<?cs /if ?>> <?cs var:Lang.mail.only_unread ?></label>
      <label><input type="checkbox" name="flagged" value="1"<?cs if:Adv.flagged ?> checked<?cs /if ?>> <?cs var:Lang.mail.only_flagged ?></label>
      <label><input type="checkbox" name="attach" value="1"<?cs if:Adv.attach ?> checked<?cs /if ?>> <?cs var:Lang.mail.only_attach ?></label>
      <label><input type="checkbox" name="all" value="1"<?cs if:List.All ?> checked<?cs /if ?>> <?cs var:Lang.mail.all_folders ?></label>
      <button type="submit"><?cs var:Lang.mail.search ?></button>
    </form>
  </details>
<?cs if:Page.FormError ?>
  <p class="error" id="form-error" role="alert"><?cs var:Lang.mail[Page.FormError] ?></p>
<?cs /if ?>
  <h1><?cs if:List.All ?><?cs var:Lang.mail.all_results ?><?cs elif:List.Special ?><?cs var:Lang.folder[List.Special] ?><?cs else ?><?cs var:List.FolderName ?><?cs /if ?>
    <span class="count" id="total" title="<?cs if:List.Threads ?><?cs var:Lang.mail.count_threads ?><?cs else ?><?cs var:Lang.mail.count_messages ?><?cs /if ?>"><?cs var:List.Total ?></span></h1>
<?cs if:!List.All ?>
  <p class="view" id="view-toggle"><?cs if:List.Threads ?><a href="<?cs var:Page.Base ?>/mail?f=<?cs var:List.FolderEncoded ?>&amp;q=<?cs var:List.QEncoded ?>&amp;in=<?cs var:List.In ?><?cs var:List.Extra ?>&amp;view=list" id="view-list"><?cs var:Lang.mail.view_list ?></a><?cs else ?><a href="<?cs var:Page.Base ?>/mail?f=<?cs var:List.FolderEncoded ?>&amp;q=<?cs var:List.QEncoded ?>&amp;in=<?cs var:List.In ?><?cs var:List.Extra ?>&amp;view=threads" id="view-threads"><?cs var:Lang.mail.view_threads ?></a><?cs /if ?></p>
<?cs /if ?>
  <form method="post" action="<?cs var:Page.Base ?>/mail/action" id="listform">
    <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
    <input type="hidden" name="f" value="<?cs var:List.Folder ?>">
<?cs if:!List.All ?>
    <div class="toolbar">
      <button name="op" value="read"><?cs var:Lang.mail.mark_read ?></button>
      <button name="op" value="unread"><?cs var:Lang.mail.mark_unread ?></button>
      <button name="op" value="flag"><?cs var:Lang.mail.flag ?></button>
      <button name="op" value="unflag"><?cs var:Lang.mail.unflag ?></button>
      <button name="op" value="delete" class="danger" id="delete"><?cs var:Lang.mail.delete ?></button>
      <button name="op" value="purge" class="danger"><?cs var:Lang.mail.purge ?></button>
<?cs if:List.Special == "trash" || List.Special == "junk" ?>
      <button name="op" value="empty" class="danger" id="empty-folder"><?cs var:Lang.mail.empty_folder ?></button>
<?cs /if ?>
      <select name="to" aria-label="<?cs var:Lang.mail.move_to ?>">
        <option value=""><?cs var:Lang.mail.move_to ?></option>
<?cs each:fo = Folders ?><?cs if:!fo.NoSelect && !fo.Current ?>
        <option value="<?cs var:fo.Raw ?>"><?cs if:fo.Special ?><?cs var:Lang.folder[fo.Special] ?><?cs else ?><?cs var:fo.Name ?><?cs /if ?></option>
<?cs /if ?><?cs /each ?>
      </select>
      <button name="op" value="move"><?cs var:Lang.mail.move ?></button>
    </div>
<?cs /if ?>
<?cs def:sortlink(key) ?><a href="<?cs var:Page.Base ?>/mail?f=<?cs var:List.FolderEncoded ?>&amp;q=<?cs var:List.QEncoded ?>&amp;in=<?cs var:List.In ?><?cs var:List.Extra ?>&amp;n=<?cs var:List.Size ?>&amp;sort=<?cs var:key ?>&amp;order=<?cs if:List.Sort == key && List.Order == "desc" ?>asc<?cs else ?>desc<?cs /if ?>"<?cs if:List.Sort == key ?> class="sorted <?cs var:List.Order ?>"<?cs /if ?>><?cs var:Lang.mail[key] ?></a><?cs /def ?>
<?cs def:sorthead(key) ?><?cs if:List.Threads && key != "date" ?><?cs var:Lang.mail[key] ?><?cs else ?><?cs call:sortlink(key) ?><?cs /if ?><?cs /def ?>
    <table class="messages<?cs if:List.Threads ?> threads<?cs /if ?><?cs if:List.All ?> all<?cs /if ?><?cs if:List.Preview ?> with-preview<?cs /if ?>" id="messages">
      <thead><tr>
<?cs if:!List.All ?>        <th class="sel"><input type="checkbox" id="select-all" aria-label="<?cs var:Lang.mail.select_all ?>"></th>
<?cs /if ?>        <th class="flags"><span class="sr"><?cs var:Lang.mail.flags ?></span></th>
        <th class="from"><?cs call:sorthead("from") ?></th>
        <th class="subject"><?cs call:sorthead("subject") ?></th>
<?cs if:List.All ?>        <th class="folder"><?cs var:Lang.mail.folder ?></th>
<?cs /if ?>        <th class="date"><?cs call:sorthead("date") ?></th>
        <th class="size"><?cs call:sorthead("size") ?></th>
      </tr></thead>
      <tbody>
<?cs each:m = Messages ?>
      <tr class="<?cs if:!m.Seen ?>unread<?cs /if ?><?cs if:m.Flagged ?> flagged<?cs /if ?><?cs if:List.Threads ?><?cs if:m.Thread > 0 ?> thread<?cs else ?> reply depth-<?cs var:m.Depth ?><?cs /if ?><?cs /if ?>" data-uid="<?cs var:m.Uid ?>">
<?cs if:!List.All ?>        <td class="sel"><input type="checkbox" name="uid" value="<?cs var:m.Uid ?>" aria-label="<?cs var:Lang.mail.select ?>"></td>
<?cs /if ?>        <td class="flags"><?cs if:m.Flagged ?><span class="flag" title="<?cs var:Lang.mail.flagged ?>">&#9873;</span><?cs /if ?><?cs if:m.Answered ?><span title="<?cs var:Lang.mail.answered ?>">&#8617;</span><?cs /if ?><?cs if:m.Attach ?><span class="attach" title="<?cs var:Lang.mail.attachment ?>">&#128206;</span><?cs /if ?></td>
        <td class="from" title="<?cs var:m.FromAddr ?>"><?cs var:m.From ?></td>
        <td class="subject"><a href="<?cs if:List.Special == "drafts" && !List.All ?><?cs var:Page.Base ?>/mail/compose?draft=<?cs var:m.Uid ?><?cs else ?><?cs var:Page.Base ?>/mail/read?f=<?cs if:List.All ?><?cs var:m.FolderEncoded ?><?cs else ?><?cs var:List.FolderEncoded ?><?cs /if ?>&amp;uid=<?cs var:m.Uid ?><?cs /if ?>"><?cs if:m.Subject ?><?cs var:m.Subject ?><?cs else ?><?cs var:Lang.mail.no_subject ?><?cs /if ?></a><?cs if:m.Thread > 1 ?> <span class="thread-count" title="<?cs var:Lang.mail.thread_count ?>"><?cs var:m.Thread ?></span><?cs /if ?></td>
<?cs if:List.All ?>        <td class="folder" data-folder="<?cs var:m.Folder ?>"><?cs if:m.FolderSpecial ?><?cs var:Lang.folder[m.FolderSpecial] ?><?cs else ?><?cs var:m.FolderName ?><?cs /if ?></td>
<?cs /if ?>        <td class="date"><?cs var:m.Date ?></td>
        <td class="size"><?cs var:m.Size ?></td>
      </tr>
<?cs /each ?>
      </tbody>
    </table>
<?cs if:List.Total == 0 ?>
    <p class="empty" id="empty"><?cs var:Lang.mail.empty ?></p>
<?cs /if ?>
  </form>
<?cs def:pagelink(p, label) ?><a href="<?cs var:Page.Base ?>/mail?f=<?cs var:List.FolderEncoded ?>&amp;q=<?cs var:List.QEncoded ?>&amp;in=<?cs var:List.In ?><?cs var:List.Extra ?>&amp;sort=<?cs var:List.Sort ?>&amp;order=<?cs var:List.Order ?>&amp;n=<?cs var:List.Size ?>&amp;page=<?cs var:p ?>"<?cs if:p == List.Page ?> aria-current="page"<?cs /if ?>><?cs var:label ?></a><?cs /def ?>
  <p class="pagesize" id="pagesize"><?cs var:Lang.mail.per_page ?>
<?cs each:n = Lang.mail.sizes ?>    <a href="<?cs var:Page.Base ?>/mail?f=<?cs var:List.FolderEncoded ?>&amp;q=<?cs var:List.QEncoded ?>&amp;in=<?cs var:List.In ?><?cs var:List.Extra ?>&amp;sort=<?cs var:List.Sort ?>&amp;order=<?cs var:List.Order ?>&amp;n=<?cs var:n ?>"<?cs if:n == List.Size ?> aria-current="true"<?cs /if ?>><?cs var:n ?></a>
<?cs /each ?>  </p>
<?cs if:List.Pages > 1 ?>
  <nav class="pager" aria-label="<?cs var:Lang.mail.pages ?>">
    <?cs call:pagelink(1, Lang.mail.first) ?>
<?cs if:List.Prev ?>    <?cs call:pagelink(List.Prev, Lang.mail.prev) ?><?cs /if ?>
<?cs each:p = List.Near ?>    <?cs call:pagelink(p, p) ?><?cs /each ?>
<?cs if:List.Next ?>    <?cs call:pagelink(List.Next, Lang.mail.next) ?><?cs /if ?>
    <?cs call:pagelink(List.Pages, Lang.mail.last) ?>
  </nav>
<?cs /if ?>
</section>
</div>
<?cs include:"footer.cs" ?>
