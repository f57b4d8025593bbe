<?cs # Aliases, group addresses and the catch-all of a domain. ?>
<?cs include:"macros.cs" ?>
<?cs set:Page.Title = Lang.domainadmin.aliases.title ?>
<?cs set:Page.Nav = "aliases" ?>
<?cs include:"header.cs" ?>
<section class="home manage-folders" id="aliases-page">
<?cs call:domain_bar() ?>
<?cs call:notice() ?>
  <h1><?cs var:Lang.domainadmin.aliases.title ?> <span class="count" id="total"><?cs var:List.Total ?></span></h1>

  <h2><?cs var:Lang.domainadmin.aliases.catchall ?></h2>
  <p><?cs var:Lang.domainadmin.aliases.catchall_note ?></p>
<?cs call:form_error("catchall") ?>
  <p id="catchall"><?cs if:CatchAll.Id ?><?cs var:Lang.domainadmin.aliases.catchall_to ?> <strong><?cs var:CatchAll.Targets ?></strong><?cs else ?><?cs var:Lang.domainadmin.aliases.catchall_none ?><?cs /if ?></p>
  <form method="post" action="<?cs var:Page.Base ?>/aliases/catchall" class="create" id="catchall-form">
    <?cs call:post_fields() ?>
    <input type="hidden" name="op" value="set">
    <label><?cs var:Lang.domainadmin.aliases.deliver_to ?> <input name="targets" maxlength="2000" value="<?cs var:Form.CatchAll ?>"></label>
    <button type="submit"><?cs var:Lang.domainadmin.save ?></button>
  </form>
<?cs if:CatchAll.Id ?>
  <form method="post" action="<?cs var:Page.Base ?>/aliases/catchall" class="create" id="catchall-clear">
    <?cs call:post_fields() ?>
    <input type="hidden" name="op" value="clear">
    <button type="submit" class="danger"><?cs var:Lang.domainadmin.aliases.catchall_clear ?></button>
  </form>
<?cs /if ?>

  <h2><?cs var:Lang.domainadmin.aliases.add_alias ?></h2>
<?cs call:form_error("alias") ?>
  <form method="post" action="<?cs var:Page.Base ?>/aliases/new" class="create" id="alias-form">
    <?cs call:post_fields() ?>
    <input type="hidden" name="kind" value="alias">
    <label><?cs var:Lang.domainadmin.aliases.address ?> <input name="local" maxlength="254" required autocomplete="off" value="<?cs var:Form.Local ?>"> @<?cs var:Domain.Name ?></label>
    <label><?cs var:Lang.domainadmin.aliases.user ?> <input name="user" maxlength="254" required value="<?cs var:Form.User ?>"></label>
    <label><?cs var:Lang.domainadmin.aliases.description ?> <input name="description" maxlength="200" value="<?cs var:Form.Description ?>"></label>
    <button type="submit"><?cs var:Lang.domainadmin.add ?></button>
  </form>

  <h2><?cs var:Lang.domainadmin.aliases.add_group ?></h2>
<?cs call:form_error("group") ?>
  <form method="post" action="<?cs var:Page.Base ?>/aliases/new" class="create" id="group-form">
    <?cs call:post_fields() ?>
    <input type="hidden" name="kind" value="group">
    <label><?cs var:Lang.domainadmin.aliases.address ?> <input name="local" maxlength="254" required autocomplete="off" value="<?cs var:Form.Local ?>"> @<?cs var:Domain.Name ?></label>
    <label><?cs var:Lang.domainadmin.aliases.members ?> <textarea name="members" rows="4" cols="30"><?cs var:Form.Members ?></textarea></label>
    <label><?cs var:Lang.domainadmin.aliases.description ?> <input name="description" maxlength="200" value="<?cs var:Form.Description ?>"></label>
    <button type="submit"><?cs var:Lang.domainadmin.add ?></button>
  </form>
  <p class="hint"><?cs var:Lang.domainadmin.aliases.members_note ?></p>

  <h2><?cs var:Lang.domainadmin.aliases.list ?></h2>
  <form class="search" method="get" action="<?cs var:Page.Base ?>/aliases" role="search" id="alias-search">
    <input type="hidden" name="d" value="<?cs var:Domain.Name ?>">
    <input type="search" name="q" value="<?cs var:List.Q ?>" maxlength="200" aria-label="<?cs var:Lang.domainadmin.users.search ?>">
    <button type="submit"><?cs var:Lang.domainadmin.users.search_button ?></button>
  </form>
  <table class="messages" id="alias-table">
    <thead><tr>
      <th class="subject"><?cs var:Lang.domainadmin.aliases.address ?></th>
      <th class="size"><?cs var:Lang.domainadmin.aliases.kind ?></th>
      <th class="from"><?cs var:Lang.domainadmin.aliases.leads_to ?></th>
      <th class="date"></th>
    </tr></thead>
    <tbody>
<?cs each:a = Aliases ?>
      <tr data-id="<?cs var:a.Id ?>" data-kind="<?cs var:a.Kind ?>">
        <td class="subject" title="<?cs var:a.Description ?>"><a href="<?cs var:Page.Base ?>/aliases/edit?d=<?cs var:Domain.Enc ?>&amp;id=<?cs var:a.Id ?>"><?cs var:a.Address ?></a></td>
        <td class="size"><?cs var:Lang.domainadmin.aliases.kinds[a.Kind] ?></td>
        <td class="from" title="<?cs if:a.User ?><?cs var:a.User ?><?cs else ?><?cs var:a.Members ?><?cs /if ?>"><?cs if:a.User ?><a href="<?cs var:Page.Base ?>/users/edit?d=<?cs var:Domain.Enc ?>&amp;id=<?cs var:a.UserId ?>"><?cs var:a.User ?></a><?cs else ?><?cs var:a.Members ?><?cs /if ?></td>
        <td class="date">
          <form method="post" action="<?cs var:Page.Base ?>/aliases/delete" class="rename">
            <?cs call:post_fields() ?>
            <input type="hidden" name="id" value="<?cs var:a.Id ?>">
            <button type="submit" class="danger"><?cs var:Lang.domainadmin.remove ?></button>
          </form>
        </td>
      </tr>
<?cs /each ?>
    </tbody>
  </table>
<?cs if:List.Total == 0 ?>
  <p class="empty" id="empty"><?cs var:Lang.domainadmin.aliases.none ?></p>
<?cs /if ?>
<?cs if:List.Pages > 1 ?>
  <nav class="pager" id="pager" aria-label="<?cs var:Lang.mail.pages ?>">
<?cs if:List.Prev ?>    <a href="<?cs var:Page.Base ?>/aliases?d=<?cs var:Domain.Enc ?>&amp;q=<?cs var:List.QEnc ?>&amp;page=<?cs var:List.Prev ?>"><?cs var:Lang.mail.prev ?></a><?cs /if ?>
    <span><?cs var:List.Page ?> / <?cs var:List.Pages ?></span>
<?cs if:List.Next ?>    <a href="<?cs var:Page.Base ?>/aliases?d=<?cs var:Domain.Enc ?>&amp;q=<?cs var:List.QEnc ?>&amp;page=<?cs var:List.Next ?>"><?cs var:Lang.mail.next ?></a><?cs /if ?>
  </nav>
<?cs /if ?>
</section>
<?cs include:"footer.cs" ?>
