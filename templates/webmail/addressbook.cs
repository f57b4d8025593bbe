<?cs # The group address book of the user's domain, read-only: search,
     sort, pages. ?>
<?cs include:"contacts-macros.cs" ?>
<?cs set:Page.Title = Lang.addressbook.title ?>
<?cs set:Page.Nav = "contacts" ?>
<?cs include:"header.cs" ?>
<section class="home manage-folders" id="addressbook-page">
<?cs call:ct_tabs("addressbook") ?>
  <h1><?cs var:Lang.addressbook.title ?> <span class="count" id="total"><?cs var:List.Total ?></span></h1>
  <p><?cs var:Lang.addressbook.readonly ?></p>
  <form class="search" method="get" action="<?cs var:Page.Base ?>/addressbook" role="search" id="book-search">
    <input type="search" name="q" value="<?cs var:List.Q ?>" maxlength="200" placeholder="<?cs var:Lang.addressbook.search ?>" aria-label="<?cs var:Lang.addressbook.search ?>">
    <button type="submit"><?cs var:Lang.addressbook.search_button ?></button>
  </form>
<?cs def:sortlink(key) ?><a href="<?cs var:Page.Base ?>/addressbook?q=<?cs var:List.QEnc ?>&amp;sort=<?cs var:key ?>&amp;order=<?cs if:List.Sort == key && List.Order == "asc" ?>desc<?cs else ?>asc<?cs /if ?>"<?cs if:List.Sort == key ?> class="sorted <?cs var:List.Order ?>"<?cs /if ?>><?cs var:Lang.addressbook[key] ?></a><?cs /def ?>
  <table class="messages" id="book-table">
    <thead><tr>
      <th class="from"><?cs call:sortlink("name") ?></th>
      <th class="subject"><?cs call:sortlink("email") ?></th>
      <th class="size"><?cs var:Lang.addressbook.phones ?></th>
      <th class="from"><?cs call:sortlink("company") ?></th>
      <th class="from"><?cs call:sortlink("department") ?></th>
    </tr></thead>
    <tbody>
<?cs each:b = Book ?>
      <tr data-kind="<?cs var:b.Kind ?>">
        <td class="from" title="<?cs var:b.Title ?>"><?cs var:b.Name ?></td>
        <td class="subject"><?cs each:e = b.Emails ?><?cs var:e ?><br><?cs /each ?></td>
        <td class="size"><?cs each:p = b.Phones ?><?cs var:p ?><br><?cs /each ?></td>
        <td class="from"><?cs var:b.Company ?></td>
        <td class="from"><?cs var:b.Department ?></td>
      </tr>
<?cs /each ?>
    </tbody>
  </table>
<?cs if:List.Total == 0 ?>
  <p class="empty" id="empty"><?cs var:Lang.addressbook.none ?></p>
<?cs /if ?>
<?cs def:pagelink(p, label) ?><a href="<?cs var:Page.Base ?>/addressbook?q=<?cs var:List.QEnc ?>&amp;sort=<?cs var:List.Sort ?>&amp;order=<?cs var:List.Order ?>&amp;page=<?cs var:p ?>"<?cs if:p == List.Page ?> aria-current="page"<?cs /if ?>><?cs var:label ?></a><?cs /def ?>
<?cs if:List.Pages > 1 ?>
  <nav class="pager" id="pager" aria-label="<?cs var:Lang.mail.pages ?>">
    <?cs call:pagelink(1, Lang.mail.first) ?>
<?cs if:List.Prev ?>    <?cs call:pagelink(List.Prev, Lang.mail.prev) ?><?cs /if ?>
<?cs each:p = List.Near ?>    <?cs call:pagelink(p, p) ?><?cs /each ?>
<?cs if:List.Next ?>    <?cs call:pagelink(List.Next, Lang.mail.next) ?><?cs /if ?>
    <?cs call:pagelink(List.Pages, Lang.mail.last) ?>
  </nav>
<?cs /if ?>
</section>
<?cs include:"footer.cs" ?>
